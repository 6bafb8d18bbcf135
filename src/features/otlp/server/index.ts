// OTLP, server surface: OpenTelemetry trace exports (JSON or protobuf) turned into cost events.
export { exportTraces } from "./export-traces";
export { otlpEncoding } from "./read-body";
export { otlpResponse } from "./respond";
