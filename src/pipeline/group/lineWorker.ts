/**
 * A decode thread: parses and validates the values a LinePool hands it (lines.ts) and hands back buffers. The
 * main thread keeps fetching and writing meanwhile.
 */
import { parentPort } from "node:worker_threads";
import { quietKnownWarnings } from "../../util/warnings";
import { decodePacked, type PackedValues } from "./lines";

quietKnownWarnings();
parentPort!.on("message", (m: { id: number; packed: PackedValues }) => {
  try {
    const decoded = decodePacked(m.packed);
    parentPort!.postMessage({ id: m.id, decoded }, [decoded.status.buffer, decoded.ms.buffer] as ArrayBuffer[]);
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
