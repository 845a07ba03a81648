import type { ResolvedConfig } from "../../config/schema";
import type { ServiceDirs } from "../paths";

export interface ServiceContext {
  config: ResolvedConfig;
  dirs: ServiceDirs;
  stackDir: string;
}

/** One service of the local stack: what it binds, how it is prepared, started and asked whether it answers. */
export interface LocalService {
  name: "kafka" | "cassandra" | "s3";
  /** Folder under stack/ with the pom that resolves it. */
  module: string;
  description: string;
  /** Every port it binds on 127.0.0.1; the first is the one clients use. */
  ports(config: ResolvedConfig): number[];
  endpoint(config: ResolvedConfig): string;
  /** Writes config files, formats storage: safe to run before every start. */
  prepare(ctx: ServiceContext, classpath: string): Promise<void>;
  javaArgs(ctx: ServiceContext, classpath: string): string[];
  /** Resolves with the server's version when it answers, rejects otherwise. */
  probe(ctx: ServiceContext): Promise<string>;
  /** Called once after it first answers on `up` (e.g. create the default bucket). */
  afterReady?(ctx: ServiceContext): Promise<void>;
  startTimeoutMs: number;
  stopGraceMs: number;
}
