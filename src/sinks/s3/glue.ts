/**
 * `schema athena --glue-crawler`: for those who prefer a crawler to partition projection. Creates the Glue
 * database and a crawler over the lake's table prefix (or updates it), then starts it.
 */
import {
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  GetCrawlerCommand,
  GlueClient,
  StartCrawlerCommand,
  UpdateCrawlerCommand,
} from "@aws-sdk/client-glue";
import type { ResolvedConfig } from "../../config/schema";
import { fieldError, UsageError } from "../../errors";
import { defaultCredentials } from "../../util/aws";
import { tableLocation } from "./layout";

export function crawlerName(config: ResolvedConfig): string {
  return `stockpipe-${config.athena.database}-${config.athena.table}`;
}

export async function createGlueCrawler(config: ResolvedConfig): Promise<{ crawler: string; created: boolean }> {
  const a = config.athena;
  if (!a.crawlerRole)
    throw fieldError(UsageError, (n) => [
      `${n("crawler")} needs athena.crawlerRole: the IAM role ARN the crawler runs as`,
      "set STOCKPIPE_ATHENA_CRAWLER_ROLE=arn:aws:iam::<account>:role/<role>",
    ]);
  const glue = new GlueClient({
    region: a.region,
    endpoint: a.glueEndpoint === "aws" ? undefined : a.glueEndpoint,
    credentials: defaultCredentials(),
    maxAttempts: 3,
  });
  try {
    await glue
      .send(new CreateDatabaseCommand({ DatabaseInput: { Name: a.database, Description: "stockpipe data lake" } }))
      .catch((err: Error) => {
        if (err.name !== "AlreadyExistsException") throw err;
      });
    const name = crawlerName(config);
    const spec = {
      Name: name,
      Role: a.crawlerRole,
      DatabaseName: a.database,
      Description: "stockpipe: the ticks table over the lake (dt partitions)",
      Targets: { S3Targets: [{ Path: tableLocation(config) }] },
      Configuration: JSON.stringify({ Version: 1.0, Grouping: { TableGroupingPolicy: "CombineCompatibleSchemas" } }),
    };
    const exists = await glue.send(new GetCrawlerCommand({ Name: name })).then(
      () => true,
      (err: Error) => {
        if (err.name === "EntityNotFoundException") return false;
        throw err;
      },
    );
    if (exists) await glue.send(new UpdateCrawlerCommand(spec));
    else await glue.send(new CreateCrawlerCommand(spec));
    await glue.send(new StartCrawlerCommand({ Name: name }));
    return { crawler: name, created: !exists };
  } finally {
    glue.destroy();
  }
}
