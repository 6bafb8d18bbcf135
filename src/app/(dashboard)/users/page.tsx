import { UsersView } from "~/features/analytics";
import { clientViewPage } from "../filtered-page";

export default clientViewPage(
  "Users",
  "Who spends: every end user by cost, with their costliest feature and model. Click a user for their cost over time, features and sessions.",
  UsersView,
);
