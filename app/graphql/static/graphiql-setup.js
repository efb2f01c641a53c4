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
    }),
  );
})();
