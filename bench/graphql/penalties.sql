-- PostGraphile's side of "each organization with its penalties" (bench/graphql.sh).
--
-- The registry tables have no foreign keys (a penalty names its organization by credit code, in
-- the same release), so PostGraphile cannot infer the relation. This computed column is the
-- equivalent of gongkai's batched lookup (`Organization.penalties`: the rows of `penalties` with
-- the parent's `uscc` in the parent's release, in import order). Both are served by the index the
-- migrations create, ix_penalties_release_uscc (release_id, uscc); nothing is added for either.
-- `@simpleCollections only` makes the field a plain list, as gongkai's is.
CREATE OR REPLACE FUNCTION organizations_penalties(o organizations) RETURNS SETOF penalties
LANGUAGE sql STABLE AS $$
  SELECT p.* FROM penalties p
  WHERE p.release_id = o.release_id AND p.uscc = o.uscc
  ORDER BY p.id
$$;

COMMENT ON FUNCTION organizations_penalties(organizations) IS
  E'@simpleCollections only\nAdministrative penalties of this organization in its release, in import order.';
