/**
 * Resolves a service's jars from Maven Central with `mvn` (stack/<service>/pom.xml) and caches the classpath.
 * The first run downloads; later runs reuse the classpath file as long as the pom has not changed and every
 * jar is still in the local Maven repository.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { RuntimeError } from "../errors";
import { packageRoot } from "../util/packageRoot";

export async function resolveClasspath(service: string, classpathFile: string, onProgress: (line: string) => void): Promise<string> {
  const pom = join(packageRoot(), "stack", service, "pom.xml");
  if (existsSync(classpathFile) && statSync(classpathFile).mtimeMs >= statSync(pom).mtimeMs) {
    const cp = readFileSync(classpathFile, "utf8").trim();
    if (cp?.split(":").every((jar) => existsSync(jar))) return cp;
  }
  mkdirSync(dirname(classpathFile), { recursive: true });
  const args = ["-B", "-f", pom, "dependency:build-classpath", `-Dmdep.outputFile=${classpathFile}`, "-Dmdep.includeScope=runtime"];
  const output: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn("mvn", args, { stdio: ["ignore", "pipe", "pipe"] });
    child.on("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "ENOENT"
          ? new RuntimeError("`mvn` was not found on PATH; the local stack resolves Kafka, Cassandra and S3Proxy with Maven", {
              hint: "install Maven 3 (e.g. `apt-get install maven`) and try again",
            })
          : err,
      ),
    );
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (!line.trim()) continue;
        output.push(line);
        const m = /Download(?:ing|ed) from \S+: (\S+)/.exec(line);
        if (m) onProgress(m[1]!.split("/").pop()!);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    const errors = output
      .filter((l) => l.includes("[ERROR]"))
      .slice(0, 3)
      .join(" | ");
    throw new RuntimeError(`mvn could not resolve the ${service} service (exit ${code}): ${errors || output.slice(-3).join(" | ")}`, {
      hint: "check that Maven Central is reachable (`mvn -v`, proxy settings in ~/.m2/settings.xml)",
    });
  }
  return readFileSync(classpathFile, "utf8").trim();
}
