/** What an integration test wrote to the local stores, removed at its end: keyspaces and lake prefixes. */
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import cassandra from "cassandra-driver";
import { loadConfig } from "../src/config/loader";
import { withLocalS3Credentials } from "../src/local/credentials";
import { s3ClientOptions } from "../src/sinks/s3/client";

export class TestStores {
  readonly cql = new cassandra.Client({ contactPoints: ["127.0.0.1:9042"], localDataCenter: "datacenter1" });
  readonly s3 = new S3Client(s3ClientOptions(withLocalS3Credentials(loadConfig({ env: {} })).config));
  private readonly keyspaces: string[] = [];
  private readonly prefixes: string[] = [];

  /** A keyspace to drop at the end. */
  keyspace(name: string): string {
    this.keyspaces.push(name);
    return name;
  }

  /** A lake prefix (in the stockpipe bucket) to empty at the end. */
  prefix(name: string): string {
    this.prefixes.push(name);
    return name;
  }

  async cleanUp(): Promise<void> {
    for (const ks of this.keyspaces) await this.cql.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => {});
    await this.cql.shutdown();
    for (const prefix of this.prefixes) {
      const listed = await this.s3.send(new ListObjectsV2Command({ Bucket: "stockpipe", Prefix: `${prefix}/` }));
      const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length) await this.s3.send(new DeleteObjectsCommand({ Bucket: "stockpipe", Delete: { Objects: keys } }));
    }
    this.s3.destroy();
  }
}
