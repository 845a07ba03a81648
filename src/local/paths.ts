import { join } from "node:path";

export interface ServiceDirs {
  root: string;
  data: string;
  log: string;
  pidFile: string;
  /** The classpath Maven resolved from stack/<module>/pom.xml: one file per module, so a version switch resolves anew. */
  classpathFile(module: string): string;
}

export function serviceDirs(stackDir: string, service: string): ServiceDirs {
  const root = join(stackDir, service);
  return {
    root,
    data: join(root, "data"),
    log: join(root, `${service}.log`),
    pidFile: join(root, "pid.json"),
    classpathFile: (module) => join(root, `${module}.classpath.txt`),
  };
}
