// gongkai's GraphQL query console: mounts the vendored GraphiQL (see README.md next to this
// file) on #graphiql. No inline script, no network access beyond this server: the page loads
// every script from /graphql/assets/, reads the example queries from /graphql/examples.json and
// sends queries to /graphql.
/* global React, ReactDOM, GraphiQL */
(function () {
  'use strict';

  var ENDPOINT = '/graphql';
  var EXAMPLES_URL = '/graphql/examples.json';
  var PANE_TITLE = '示例 · Examples';
  var h = function () {
    return React.createElement.apply(React, arguments);
  };

  // POST the request as JSON, as GraphQL over HTTP says; a body that is not JSON (a proxy's
  // error page, say) is turned into a GraphQL error so that GraphiQL shows it.
  function fetcher(params, opts) {
    var headers = Object.assign(
      {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
      },
      (opts && opts.headers) || {}
    );
    return fetch(ENDPOINT, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify(params),
      credentials: 'same-origin',
    }).then(function (res) {
      return res.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch (e) {
          return {
            errors: [
              {
                message:
                  'HTTP ' + res.status + ' ' + res.statusText + ': ' + text.slice(0, 2000),
              },
            ],
          };
        }
      });
    });
  }

  // A variables skeleton for a query that declares variables: `{"uscc": ""}` for
  // `query ($uscc: String!)`. Empty when the query has none (or does not parse).
  function variablesFor(query) {
    var gql = GraphiQL.GraphQL;
    if (!gql || typeof gql.parse !== 'function') return '';
    var doc;
    try {
      doc = gql.parse(query);
    } catch (e) {
      return '';
    }
    var vars = {};
    var any = false;
    doc.definitions.forEach(function (def) {
      (def.variableDefinitions || []).forEach(function (v) {
        var t = v.type;
        if (t.kind === 'NonNullType') t = t.type;
        var value = null;
        if (t.kind === 'ListType') value = [];
        else if (t.name.value === 'String' || t.name.value === 'ID') value = '';
        else if (t.name.value === 'Int' || t.name.value === 'Float') value = 0;
        else if (t.name.value === 'Boolean') value = false;
        vars[v.variable.name.value] = value;
        any = true;
      });
    });
    return any ? JSON.stringify(vars, null, 2) : '';
  }

  function defaultQuery(examples, failed) {
    var lines = [
      '# gongkai GraphQL 控制台 · query console',
      '#',
      failed
        ? '# 示例加载失败 · The examples could not be loaded: ' + failed
        : '# 左侧“示例”面板列出示例查询，点击即可载入。· The “Examples” pane on the left lists example queries; click one to load it.',
      '# Ctrl-Enter 执行 · runs the query; Ctrl-Space 补全 · completes; “Docs” 面板 · pane: the schema.',
      '#',
    ];
    var first = examples[0];
    return lines.join('\n') + '\n' + (first ? first.query : '{\n  __typename\n}\n');
  }

  function isPristine(text, examples, initial) {
    var t = text.trim();
    if (t === '' || t === initial.trim()) return true;
    return examples.some(function (ex) {
      return ex.query.trim() === t;
    });
  }

  function ExamplesIcon() {
    return h(
      'svg',
      {
        viewBox: '0 0 24 24',
        fill: 'none',
        stroke: 'currentColor',
        strokeWidth: 1.5,
        strokeLinecap: 'round',
        strokeLinejoin: 'round',
        'aria-hidden': 'true',
      },
      h('path', { d: 'M5 4h11l3 3v13H5z' }),
      h('path', { d: 'M8 10h8M8 13h8M8 16h5' })
    );
  }

  function examplesPlugin(examples, failed, initial) {
    function ExamplesContent() {
      var editor = GraphiQL.React.useEditorContext({ nonNull: true });

      function load(ex) {
        var q = editor.queryEditor;
        if (!q) return;
        var vars = variablesFor(ex.query);
        var fill = function () {
          q.setValue(ex.query);
          if (editor.variableEditor) editor.variableEditor.setValue(vars);
          q.focus();
        };
        if (isPristine(q.getValue(), examples, initial)) {
          fill();
        } else {
          // Keep what the user wrote: the example opens in a new tab.
          editor.addTab();
          setTimeout(fill, 0);
        }
      }

      var body;
      if (failed) {
        body = h('p', { className: 'gk-error' }, '示例加载失败 · The examples could not be loaded: ' + failed);
      } else {
        body = h(
          'ul',
          null,
          examples.map(function (ex) {
            return h(
              'li',
              { key: ex.name },
              h(
                'button',
                {
                  type: 'button',
                  title: ex.name + '.graphql',
                  onClick: function () {
                    load(ex);
                  },
                },
                ex.title,
                h('span', { className: 'gk-example-name' }, ex.name + '.graphql')
              )
            );
          })
        );
      }
      return h(
        'section',
        { className: 'gk-examples', 'aria-label': PANE_TITLE },
        h('div', { className: 'graphiql-history-header' }, PANE_TITLE),
        h(
          'p',
          null,
          '点击载入编辑器，再按 ▶ 或 Ctrl-Enter 执行。· Click to load a query into the editor, then press ▶ or Ctrl-Enter.'
        ),
        body
      );
    }
    return { title: PANE_TITLE, icon: ExamplesIcon, content: ExamplesContent };
  }

  function mount(examples, failed) {
    var container = document.getElementById('graphiql');
    var initial = defaultQuery(examples, failed);
    // Created once: GraphiQL re-applies `plugins`/`visiblePlugin` whenever their identity changes.
    var plugin = examplesPlugin(examples, failed, initial);
    var plugins = [plugin];
    var loading = document.getElementById('gk-loading');
    if (loading) loading.remove();
    ReactDOM.createRoot(container).render(
      h(
        GraphiQL,
        {
          fetcher: fetcher,
          defaultQuery: initial,
          plugins: plugins,
          visiblePlugin: plugin,
          shouldPersistHeaders: false,
        },
        h(GraphiQL.Logo, null, 'gongkai')
      )
    );
  }

  // Said on the page (the loading note is replaced) when a script did not load.
  function fail(message) {
    var container = document.getElementById('graphiql');
    var p = document.createElement('p');
    p.className = 'gk-loading';
    p.textContent = message;
    container.replaceChildren(p);
  }

  function start() {
    if (typeof React === 'undefined' || typeof ReactDOM === 'undefined' || typeof GraphiQL === 'undefined') {
      fail(
        '控制台的脚本未能加载。· The console’s scripts did not load (/graphql/assets/). ' +
          '仍可直接向 /graphql 发送 POST 请求。· You can still POST to /graphql directly.'
      );
      return;
    }
    fetch(EXAMPLES_URL, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.json();
      })
      .then(
        function (list) {
          if (!Array.isArray(list)) return { examples: [], failed: 'not a list' };
          var examples = list.filter(function (ex) {
            return (
              ex &&
              typeof ex.name === 'string' &&
              typeof ex.title === 'string' &&
              typeof ex.query === 'string'
            );
          });
          return { examples: examples, failed: null };
        },
        function (e) {
          return { examples: [], failed: String((e && e.message) || e) };
        }
      )
      .then(function (got) {
        mount(got.examples, got.failed);
      });
  }

  start();
})();
