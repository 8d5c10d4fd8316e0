import type { Child } from "hono/jsx";
import { Layout } from "./layout";

/** A short page that says what happened and what comes next (confirmations, errors, thank-yous). */
export function MessagePage(props: { title: string; children: Child; siteName?: string }) {
  return (
    <Layout title={props.title} siteName={props.siteName}>
      <h1>{props.title}</h1>
      {props.children}
    </Layout>
  );
}
