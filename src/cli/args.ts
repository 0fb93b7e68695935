import { parseArgs } from 'node:util';
import { CliError, type Command, type OptionValues } from './command.ts';

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * The command's options and positionals. Node's own parse errors are long and speak of its API
 * ("place it at the end of the command after '--'"); a second, lenient pass finds the offending
 * option so the user gets one plain sentence instead.
 */
export function parseCommandArgs(cmd: Command, args: string[]): { values: OptionValues; positionals: string[] } {
  const options = { ...HELP_OPTION, ...cmd.options };
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: parsed.values as OptionValues, positionals: parsed.positionals };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw err;
    throw new CliError('CLI_BAD_OPTION', explain(options, args) ?? firstSentence((err as Error).message), { cause: err });
  }
}

function explain(options: NonNullable<Command['options']>, args: string[]): string | undefined {
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (!spec) return `unknown option ${token.rawName}`;
    if (spec.type === 'boolean' && token.value !== undefined) return `${token.rawName} takes no value`;
    if (spec.type === 'string' && token.value === undefined) return `${token.rawName} needs a value`;
    // `--server --token x`: strict parsing refuses to take an option as a value.
    if (spec.type === 'string' && !token.inlineValue && token.value?.startsWith('-')) {
      return `${token.rawName} needs a value (write ${token.rawName}=${token.value} if "${token.value}" is meant as one)`;
    }
  }
  return undefined;
}

function firstSentence(message: string): string {
  return message.split(/\.\s|\n/)[0]!.replace(/\.$/, '');
}

export function optionList(values: OptionValues, name: string): string[] {
  const v = values[name];
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : [];
}
