import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";

const check = csrf();

/** Hono's CSRF check for our own forms, refusing in our one error shape instead of its bare "Forbidden". */
export const sameOrigin = createMiddleware(async (c, next) => {
  let passed = false;
  try {
    await check(c, () => {
      passed = true;
      return next();
    });
  } catch (error) {
    if (passed || !(error instanceof HTTPException)) throw error;
    throw new AppError("FORBIDDEN", "This form was sent from another site. Please use the form on this site.");
  }
});
