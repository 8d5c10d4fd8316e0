/** @jsxImportSource react */
/** @jsxRuntime automatic */
import { Text } from "@react-email/components";
import { Layout, slot, styles } from "./components/layout";

/** The one "Still reading?" email of a streak of quiet parts (worker/reengage/): its button keeps the reader. */
export interface StillReadingProps {
  seriesTitle: string;
  afterParts: number;
  graceDays: number;
  name: string;
  /** A page with the keep button: following the link changes nothing (mail scanners follow links). */
  keepUrl: string;
  unsubscribeUrl: string;
  postalAddress: string;
}

export const stillReadingSlotProps = {
  name: slot("name"),
  keepUrl: slot("keep_url"),
  unsubscribeUrl: slot("unsubscribe_url"),
  postalAddress: slot("postal_address"),
} satisfies Partial<StillReadingProps>;

export const stillReadingSubject = (seriesTitle: string) => `Still reading ${seriesTitle}?`;

export default function StillReadingEmail(props: StillReadingProps) {
  const days = `${props.graceDays} day${props.graceDays === 1 ? "" : "s"}`;
  return (
    <Layout
      seriesTitle={props.seriesTitle}
      preview="One press keeps the next parts coming."
      cta={{ label: "Yes, keep sending", href: props.keepUrl }}
      postalAddress={props.postalAddress}
      unsubscribeUrl={props.unsubscribeUrl}
      reason={`You are receiving this because you subscribed to ${props.seriesTitle}.`}
      afterCta={
        <Text style={{ ...styles.text, fontSize: "15px", color: "#555555" }}>
          {`If we do not hear from you within ${days}, we will pause your subscription. You keep your place, and you can come back whenever you like.`}
        </Text>
      }
    >
      <h1 style={styles.title}>{stillReadingSubject(props.seriesTitle)}</h1>
      <Text style={styles.text}>{`Hi ${props.name},`}</Text>
      <Text style={styles.text}>
        {`The last ${props.afterParts} parts of ${props.seriesTitle} reached you without a sign that they were read: no link followed, no answer. Reading without clicking leaves no trace, so perhaps you did read them.`}
      </Text>
      <Text style={styles.text}>
        We only keep writing to people who want the next part: mail nobody reads makes every reader's copy more likely
        to land in spam.
      </Text>
    </Layout>
  );
}

export const PreviewProps: StillReadingProps = {
  seriesTitle: "Origins of Lead Change",
  afterParts: 4,
  graceDays: 7,
  name: "Ada",
  keepUrl: "https://example.com/still-reading/preview",
  unsubscribeUrl: "https://example.com/u/preview",
  postalAddress: "nextpart, 1 Example Street, Springfield, USA",
};

StillReadingEmail.PreviewProps = PreviewProps;
