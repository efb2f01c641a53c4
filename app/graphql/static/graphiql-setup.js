// GraphiQL for the debt intake API: an example operation, and the bearer token in Headers.
"use strict";

(function () {
  var root = document.getElementById("graphiql");
  if (typeof GraphiQL === "undefined" || typeof React === "undefined") {
    root.textContent =
      "GraphiQL's scripts did not load. Run `debt-api fetch-graphiql` on the server.";
    return;
  }

  // GraphiQL 3 fills the first tab's Variables and Headers editors from its props, not from
  // defaultTabs: hence an inline input below, and the headers passed as defaultHeaders too.
  var CREATE_DEBT = [
    "# Debt intake API",
    "#",
    "# 1. Get a token: POST /token, grant_type=",
    "#    client_credentials, with your client's id and",
    "#    secret (see the README).",
    "# 2. In Headers below, replace <access_token>:",
    '#    {"Authorization": "Bearer <access_token>"}',
    "# 3. Run (Ctrl-Enter or the play button).",
    "#",
    "# createDebt returns a union: the Debt, or why",
    "# nothing was written. The next tab lists debts.",
    "mutation CreateDebt {",
    "  createDebt(input: {",
    '    firstname: "Jean", lastname: "Dupont",',
    '    phone: "06 12 34 56 78",',
    '    amount: "1250.00", currency: "EUR",',
    '    internalId: "INV-2024-001"',
    "  }) {",
    "    __typename",
    "    ... on Debt {",
    "      id status phone amountText currency importDate",
    "      destination { country tier creditsPerCall }",
    "    }",
    "    ... on ValidationError {",
    "      fields { field code message }",
    "    }",
    "    ... on ExpensiveDestinationError {",
    "      # Debt.destination is nullable, this one is",
    "      # not: an alias lets one query ask for both.",
    "      expensiveDestination: destination {",
    "        country tier creditsPerCall multiplier",
    "      }",
    "    }",
    "    ... on Error { message }",
    "  }",
    "}",
    "",
  ].join("\n");

  var LIST_DEBTS = [
    "# Your debts, newest first. For the next page,",
    "# pass pageInfo.endCursor as $after. Filters:",
    "# filter: {status, internalId, importedFrom,",
    "#          importedBefore}",
    "query Debts($after: String) {",
    "  debts(first: 20, after: $after) {",
    "    edges {",
    "      node { id status lastname amountText importDate }",
    "    }",
    "    pageInfo { hasNextPage endCursor }",
    "  }",
    "}",
    "",
  ].join("\n");

  var HEADERS = JSON.stringify({ Authorization: "Bearer <access_token>" }, null, 2);

  var fetcher = GraphiQL.createFetcher({ url: window.location.href.split("?")[0] });

  // GraphiQL 3.9 saves its history and favourites (graphiql:queries, graphiql:favorites) in
  // localStorage with each run's headers, the bearer token among them, whatever
  // shouldPersistHeaders says. This storage, given to GraphiQL in place of localStorage,
  // keeps every value as GraphiQL wrote it in this page's memory (so the page works as
  // before) and persists only a copy with every "headers" entry nulled; the headers key
  // itself is never persisted. After a reload the history is there, without headers.
  var HEADERS_KEY = "graphiql:headers";
  var persistent = null;
  try {
    persistent = window.localStorage; // the getter throws where storage is disabled
  } catch (error) {
    persistent = null;
  }
  var inMemory = new Map();

  function withoutHeaders(text) {
    var value;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return text; // plain text (a query, variables): nothing named headers in it
    }
    return JSON.stringify(value, function (key, item) {
      return key === "headers" ? null : item;
    });
  }

  function graphiqlKeys() {
    var keys = new Set(inMemory.keys());
    if (persistent) {
      for (var i = 0; i < persistent.length; i += 1) {
        var key = persistent.key(i);
        if (key !== null && key.indexOf("graphiql:") === 0) keys.add(key);
      }
    }
    return keys;
  }

  // Pages served before this storage existed left tokens in localStorage: scrub them now.
  if (persistent) {
    graphiqlKeys().forEach(function (key) {
      var stored = persistent.getItem(key);
      if (key === HEADERS_KEY) persistent.removeItem(key);
      else if (stored !== null && withoutHeaders(stored) !== stored) {
        persistent.setItem(key, withoutHeaders(stored));
      }
    });
  }

  var storage = {
    getItem: function (key) {
      if (inMemory.has(key)) return inMemory.get(key);
      return persistent && key !== HEADERS_KEY ? persistent.getItem(key) : null;
    },
    setItem: function (key, value) {
      inMemory.set(key, value);
      if (persistent && key !== HEADERS_KEY) persistent.setItem(key, withoutHeaders(value));
    },
    removeItem: function (key) {
      inMemory.delete(key);
      if (persistent) persistent.removeItem(key);
    },
    get length() {
      return graphiqlKeys().size;
    },
    clear: function () {
      graphiqlKeys().forEach(storage.removeItem);
    },
  };

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: [
        { query: CREATE_DEBT, headers: HEADERS },
        { query: LIST_DEBTS, headers: HEADERS },
      ],
      defaultHeaders: HEADERS,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      // The token stays in this tab's memory, not in the browser's storage.
      shouldPersistHeaders: false,
      storage: storage,
    }),
  );
})();
