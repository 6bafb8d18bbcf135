import { SessionsView } from "~/features/analytics";
import { clientViewPage } from "../../filtered-page";

export default clientViewPage(
  "Sessions",
  "Conversations by cost. Prompt growth compares the input tokens of the first and the last call: runaway conversations stand out.",
  SessionsView,
);
