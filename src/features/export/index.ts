// Export, client-safe surface: the request contract (kinds, formats, query parsing) and the
// export menu the tables show.
export { COLUMNS as EXPORT_COLUMNS, type ColumnKind as ExportColumnKind } from "./columns";
export { ExportMenu } from "./components/export-menu";
export { exportHref } from "./links";
export { EXPORT_FORMATS, EXPORT_KINDS, parseExportRequest, type ExportFormat, type ExportKind, type ExportRequest } from "./schemas";
