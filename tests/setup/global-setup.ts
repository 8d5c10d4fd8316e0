import type { TestProject } from "vitest/node";
import { startMockResend } from "../../scripts/mock-resend-server";

/** One mock Resend server for the whole run; tests reach it at inject("resendUrl"). */
export default async function setup(project: TestProject) {
  const mock = await startMockResend();
  project.provide("resendUrl", mock.url);
  return () => mock.close();
}

declare module "vitest" {
  export interface ProvidedContext {
    resendUrl: string;
  }
}
