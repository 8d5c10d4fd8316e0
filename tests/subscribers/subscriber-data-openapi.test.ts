import { expect, it } from "vitest";
import { subscriberDataRoutes } from "../../worker/routes/admin-api/subscriber-data-routes";

it("declares its four operations in the OpenAPI document, with the one error shape", () => {
  const document = subscriberDataRoutes.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "nextpart admin", version: "test" },
  });
  const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
  );
  expect(operations.sort()).toEqual([
    "GET /imports/{id}",
    "GET /imports/{id}/rows",
    "GET /subscribers/export.csv",
    "POST /subscribers/import",
  ]);
  const importOperation = document.paths!["/subscribers/import"]!.post!;
  expect(
    Object.keys(
      importOperation.requestBody && "content" in importOperation.requestBody
        ? importOperation.requestBody.content
        : {},
    ),
  ).toEqual(["text/csv"]);
  expect(Object.keys(importOperation.responses ?? {}).sort()).toEqual([
    "202",
    "400",
    "401",
    "413",
    "415",
    "422",
    "429",
    "503",
  ]);
  expect(Object.keys(document.components?.schemas ?? {}).sort()).toEqual([
    "Error",
    "ImportJob",
    "ImportRow",
    "ImportRowPage",
  ]);
});
