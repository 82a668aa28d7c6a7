"""Validate a DCAT-AP JSON-LD document with pyshacl against shape files; print the results per
shape file and exit 1 when a file named with --strict reports a violation.

    python checks/dcat_shacl.py catalog.jsonld --strict shapes.ttl range.ttl --report shapes_recommended.ttl
"""
import argparse
import collections
import sys

import pyshacl
import rdflib
from rdflib.namespace import SH


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("document")
    ap.add_argument("--strict", nargs="*", default=[], help="shape files that must report no violation")
    ap.add_argument("--report", nargs="*", default=[], help="shape files whose results are only shown")
    args = ap.parse_args()
    data = rdflib.Graph()
    data.parse(args.document, format="json-ld")
    print(f"{args.document}: {len(data)} triples")
    failed = False
    for path, strict in [(p, True) for p in args.strict] + [(p, False) for p in args.report]:
        shapes = rdflib.Graph()
        shapes.parse(path, format="turtle")
        _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
        counts = collections.Counter()
        paths = collections.Counter()
        for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
            severity = report.value(result, SH.resultSeverity).split("#")[-1]
            counts[severity] += 1
            p = report.value(result, SH.resultPath)
            paths[(severity, data.namespace_manager.normalizeUri(p) if p else "?")] += 1
        violations = counts.get("Violation", 0)
        print(f"  {path}: {violations} violations, {counts.get('Warning', 0)} warnings, {counts.get('Info', 0)} infos")
        for (severity, p), n in sorted(paths.items()):
            print(f"    {severity:9} {p}: {n}")
        if strict and violations:
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
