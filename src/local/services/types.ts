import type { ResolvedConfig } from "../../config/schema";
import type { ServiceDirs } from "../paths";
import type { StackProfile } from "../profiles";

export interface ServiceContext {
  config: ResolvedConfig;
  profile: StackProfile;
  dirs: ServiceDirs;
  /** The profile's folder (profile.dir). */
  stackDir: string;
}

/** One service of the local stack: what it binds, how it is prepared, started and asked whether it answers. */
export interface LocalService {
  /** kafka, cassandra, s3; a cluster's brokers are kafka-1, kafka-2, kafka-3. */
  name: string;
  /** What `local up kafka` selects: every broker of a cluster. */
  group: "kafka" | "cassandra" | "s3";
  /** Folder under stack/ with the pom that resolves it. */
  module: string;
  description: string;
  /** Every port it binds on 127.0.0.1, the one clients use first, each with the local.* setting that moves it. */
  ports: { port: number; setting: string }[];
  endpoint: string;
  /** How clients connect: plaintext, SASL_SSL …, TLS + password. */
  security: string;
  /** Writes config files, formats storage: safe to run before every start. `note` tells its user something starting it
   * did (shown after `local up`'s table). */
  prepare(ctx: ServiceContext, classpath: string, note: (message: string) => void): Promise<void>;
  javaArgs(ctx: ServiceContext, classpath: string): string[];
  /** Resolves with the server's version when it answers, rejects otherwise. */
  probe(ctx: ServiceContext): Promise<string>;
  /** Called once after it first answers on `up` (e.g. create the default bucket). */
  afterReady?(ctx: ServiceContext): Promise<void>;
  startTimeoutMs: number;
  stopGraceMs: number;
}
