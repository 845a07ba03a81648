/**
 * E-mail over SMTP (nodemailer): submission on port 587 upgraded with STARTTLS (required: a server that does not
 * offer it is refused, so a password never crosses in the clear) or TLS from the start on 465, with a user and
 * password. The subject is the message's title; the body its lines and the chart's link. The message id is made
 * from the idempotency key, so a repeat carries the same `Message-ID` (mail clients fold such copies together).
 */
import { readFileSync } from "node:fs";
import nodemailer, { type Transporter } from "nodemailer";
import { z } from "zod";
import { secret } from "../util/fields";
import { wording } from "./format";
import { CHAT_RATE_PER_MINUTE, destinationKit, fieldOf, fromEnv, rateField } from "./kit";
import type { AlertGroup, Attempt, Destination, MessageContext } from "./types";

/** An e-mail destination: its server, account and addresses. */
export interface MailDestination extends Destination {
  host: string;
  /** 587 (submission, upgraded with STARTTLS) by default; 465 is TLS from the start. */
  port: number;
  user?: string;
  password?: string;
  /** The variable the password came from, for errors. */
  passwordEnv?: string;
  from: string;
  to: string[];
  /** PEM file of the CA that signed the server's certificate, when it is not a public one. */
  caFile?: string;
}

const transports = new Map<string, Transporter>();

function transport(d: MailDestination): Transporter {
  let t = transports.get(d.name);
  if (!t) {
    t = nodemailer.createTransport({
      host: d.host,
      port: d.port,
      secure: d.port === 465,
      requireTLS: d.port !== 465,
      auth: d.user ? { user: d.user, pass: d.password ?? "" } : undefined,
      tls: d.caFile ? { ca: readFileSync(d.caFile, "utf8") } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    transports.set(d.name, t);
  }
  return t;
}

/** The e-mail of a group: subject, plain text and the headers that identify it. */
export function mailMessage(d: MailDestination, g: AlertGroup, ctx: MessageContext) {
  const w = wording(g, ctx);
  const text = [...w.lines, ...(w.link ? ["", `Chart: ${w.link}`] : []), "", "— stockpipe notify"].join("\n");
  return {
    from: d.from,
    to: d.to,
    subject: w.title,
    text,
    messageId: `<${g.key}@stockpipe.notify>`,
    headers: { "Idempotency-Key": g.key, "X-Stockpipe-Alerts": String(g.alerts.length) },
  };
}

/** One attempt to hand the message to the SMTP server. */
export async function mailOnce(d: MailDestination, g: AlertGroup, ctx: MessageContext): Promise<Attempt> {
  try {
    await transport(d).sendMail(mailMessage(d, g, ctx));
    return { kind: "delivered", status: 250 };
  } catch (err) {
    const e = err as Error & { code?: string; responseCode?: number; response?: string };
    const said = e.response ?? e.message;
    if (e.code === "EAUTH")
      return {
        kind: "refused",
        reason: `SMTP authentication failed (${said})${d.passwordEnv ? `: check the user and the password in ${d.passwordEnv}` : ""}`,
      };
    if (e.responseCode !== undefined)
      return e.responseCode >= 500 ? { kind: "refused", reason: `SMTP ${said}` } : { kind: "retry", reason: `SMTP ${said}` };
    if (e.code === "ETLS") return { kind: "refused", reason: `TLS with the SMTP server failed (${said})` };
    return { kind: "retry", reason: `no answer from the SMTP server (${e.code ?? said})` };
  }
}

/** Closes the pooled connections (at the end of a run). */
export function closeMail(): void {
  for (const t of transports.values()) t.close();
  transports.clear();
}

export const email = destinationKit({
  kind: "email",
  summary: "e-mail over SMTP (STARTTLS on 587, or TLS on 465), with a user and a password from the environment",
  fields: {
    host: z.string().min(1).describe("The SMTP server"),
    port: z.number().int().min(1).max(65_535).default(587).describe("587 (STARTTLS) or 465 (TLS)"),
    user: z.string().min(1).optional().describe("The account's user"),
    passwordEnv: secret(z.string().min(1).optional().describe("The environment variable holding its password"), "env"),
    from: z.string().min(3).describe("The sender's address"),
    to: z.array(z.string().min(3)).min(1).describe("The recipients' addresses"),
    caFile: z.string().min(1).optional().describe("PEM file of the CA that signed the server's certificate, when it is not a public one"),
    ratePerMinute: rateField,
  },
  resolve(name, e, env): MailDestination {
    const password = e.passwordEnv ? fromEnv(env, e.passwordEnv, fieldOf(name, "passwordEnv")) : undefined;
    const d: MailDestination = {
      name,
      kind: "email",
      host: e.host,
      port: e.port,
      user: e.user,
      password,
      passwordEnv: e.passwordEnv,
      from: e.from,
      to: e.to,
      caFile: e.caFile,
      shownUrl: `smtp://${e.host}:${e.port}`,
      ratePerMinute: e.ratePerMinute ?? CHAT_RATE_PER_MINUTE,
      attempt: (g, ctx) => () => mailOnce(d, g, ctx),
    };
    return d;
  },
});
