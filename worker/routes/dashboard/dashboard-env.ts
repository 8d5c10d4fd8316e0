import type { AppEnv } from "../../app-env";

/** The app's env plus what the session middleware sets for every signed-in page. */
export type DashboardEnv = AppEnv & { Variables: AppEnv["Variables"] & { csrfToken: string } };
