// Runs graphql-http's server audits (the GraphQL over HTTP spec's MUST and SHOULD) against
// the URL given, and prints one JSON line per audit: {id, name, status, reason}.
import { auditServer } from "graphql-http";

const url = process.argv[2];
const results = await auditServer({ url });
for (const result of results) {
  let reason = null;
  if (result.status !== "ok") {
    reason = result.reason;
  }
  console.log(JSON.stringify({ id: result.id, name: result.name, status: result.status, reason }));
}
