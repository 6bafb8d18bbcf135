import { BreakdownView } from "~/features/analytics";
import { clientViewPage } from "../filtered-page";

export default clientViewPage(
  "Breakdown",
  "Cost by any dimension — feature, model, provider, user, session, tag — or by any metadata key such as customer or plan.",
  BreakdownView,
);
