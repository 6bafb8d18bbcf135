// Export, server surface: streamed exports for the route handler, and the pieces the export
// benchmark measures on their own (the COPY statement, the CSV header and columns).
export { exportHeaders, exportResponse, openExport } from "./export";
export { eventsCopyStatement } from "./events-sql";
export { EVENT_COLUMNS } from "../columns";
export { csvHeader } from "../csv";
