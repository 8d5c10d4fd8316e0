/** @jsxImportSource react */
/** @jsxRuntime automatic */
import { Text } from "@react-email/components";
import { Layout, slot, styles } from "./components/layout";

export interface ConfirmationProps {
  seriesTitle: string;
  description: string;
  cadence: string;
  name: string;
  confirmUrl: string;
  postalAddress: string;
}

export const confirmationSlotProps = {
  name: slot("name"),
  confirmUrl: slot("confirm_url"),
  postalAddress: slot("postal_address"),
} satisfies Partial<ConfirmationProps>;

export const confirmationSubject = (seriesTitle: string) => `Confirm your subscription to ${seriesTitle}`;

export default function ConfirmationEmail(props: ConfirmationProps) {
  return (
    <Layout
      seriesTitle={props.seriesTitle}
      preview={`One click and the first part of ${props.seriesTitle} is on its way.`}
      cta={{ label: "Confirm my subscription", href: props.confirmUrl }}
      postalAddress={props.postalAddress}
      reason="You are receiving this because someone entered this address on our signup form."
      afterCta={
        <>
          <Text style={{ ...styles.text, fontSize: "15px", color: "#555555" }}>
            The button does not work? Copy this link into your browser (it is good for 7 days):
          </Text>
          <Text style={{ ...styles.text, fontSize: "14px", wordBreak: "break-all" }}>
            <a href={props.confirmUrl} style={{ color: "#0b5fa5" }}>
              {props.confirmUrl}
            </a>
          </Text>
          <Text style={{ ...styles.text, fontSize: "15px", color: "#555555" }}>
            If you did not ask for this, ignore this email — you will not hear from us again.
          </Text>
        </>
      }
    >
      <h1 style={styles.title}>{confirmationSubject(props.seriesTitle)}</h1>
      <Text style={styles.text}>{`Hi ${props.name},`}</Text>
      <Text style={styles.text}>
        {`${props.description} You will get ${props.cadence}, in order, starting with part 1.`}
      </Text>
      <Text style={styles.text}>Please confirm that this is your address:</Text>
    </Layout>
  );
}

export const PreviewProps: ConfirmationProps = {
  seriesTitle: "Origins of Lead Change",
  description: "How the Lead Change Group began, one idea from Seth Godin's Tribes at a time.",
  cadence: "a new part every few days",
  name: "Ada",
  confirmUrl: "https://example.com/confirm/preview",
  postalAddress: "nextpart, 1 Example Street, Springfield, USA",
};

ConfirmationEmail.PreviewProps = PreviewProps;
