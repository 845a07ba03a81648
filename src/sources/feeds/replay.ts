/**
 * A recording of a live feed (recording.ts) as a source: the feed it names (or another, by `feed`) decodes its
 * frames as it decoded them live, at the recorded pace or faster.
 */
import { existsSync } from "node:fs";
import { z } from "zod";
import { fieldError, RuntimeError, UsageError } from "../../errors";
import { sourceKit } from "../kit";
import { ReplaySource, readHeader } from "./recording";

export const replay = sourceKit({
  kind: "replay",
  summary: "a recording of a live feed (made with --record), decoded as the feed decoded it",
  fields: {
    file: z.string({ error: "is needed: a recording made with --record" }).min(1).describe("A recording made with `record`"),
    feed: z.string().min(1).optional().describe("The feed whose decoder reads it (default: the one the recording names)"),
    speed: z.number().positive().optional().describe("Times faster than recorded (default: as fast as it goes)"),
  },
  async create(s, ctx, kits) {
    if (!existsSync(s.file)) throw fieldError(RuntimeError, (n) => [`${n("file")} ${s.file} does not exist`]);
    const header = await readHeader(s.file);
    const name = s.feed ?? header.feed;
    const kit = kits.get(name);
    if (!kit?.feed) throw fieldError(UsageError, (n) => [`${n("feed")} ${name}: choose ${kits.feeds.join(", ")}`]);
    // The recorded options rebuild the decoder; credentials are not needed to decode.
    const recorded = z.object(kit.fields).safeParse(header.options);
    if (!recorded.success)
      throw new RuntimeError(`${s.file}: its options are not the ${name} feed's: ${z.prettifyError(recorded.error).replace(/\n/g, " ")}`);
    const protocol = kit.feed.protocol({ ...recorded.data, kind: name }, { credential: () => "", timeZone: ctx.timeZone });
    return new ReplaySource({ file: s.file, protocol, speed: s.speed, events: ctx.feedEvents, gapsRecorded: header.gaps === "recorded" });
  },
});
