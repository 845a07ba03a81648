/**
 * `stockpipe completion bash|zsh|fish|powershell`: a shell completion script, made by @bomb.sh/tab from the
 * commander program itself, so every command and flag completes without a hand-written script. The script calls
 * the hidden `stockpipe complete -- <words>` (stockpipe on the PATH) for suggestions.
 */
import tab from "@bomb.sh/tab/commander";
import type { Command } from "commander";
import { examples } from "./options";

/** Call last: the completions are read from the commands registered so far. */
export function registerCompletion(program: Command): void {
  tab(program, { completionCommandName: "completion" });
  program.commands
    .find((c) => c.name() === "completion")
    ?.description("print a shell completion script for bash, zsh, fish or powershell")
    .addHelpText(
      "after",
      `${examples("stockpipe completion bash > ~/.local/share/bash-completion/completions/stockpipe", "echo 'source <(stockpipe completion zsh)' >> ~/.zshrc")}
The script asks \`stockpipe complete -- <words>\` for suggestions: stockpipe must be on the PATH (npm install -g, or npm link).
`,
    );
}
