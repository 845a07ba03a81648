import { join } from "node:path";

export interface ServiceDirs {
  root: string;
  data: string;
  log: string;
  pidFile: string;
  classpathFile: string;
}

export function serviceDirs(stackDir: string, service: string): ServiceDirs {
  const root = join(stackDir, service);
  return {
    root,
    data: join(root, "data"),
    log: join(root, `${service}.log`),
    pidFile: join(root, "pid.json"),
    classpathFile: join(root, "classpath.txt"),
  };
}
