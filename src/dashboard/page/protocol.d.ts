// Types of protocol.js for the server's TypeScript.
export declare const EVENTS: Readonly<{ hello: "hello"; board: "board"; bars: "bars"; alert: "alert"; health: "health"; feeds: "feeds" }>;
export type EventName = (typeof EVENTS)[keyof typeof EVENTS];
export declare const PATHS: Readonly<{ events: "/events"; bars: "/api/bars"; health: "/api/health"; metrics: "/metrics" }>;
export declare const BOARD_ROW: readonly ["symbol", "price", "changePct", "volume", "ts", "trades"];
export declare const PAGE_FILES: readonly string[];
