/**
 * The nca-gl command: `main(argv)` runs one command and resolves to the process exit code
 * (bin/nca-gl.mjs sets it). Commands: train, render, info; see docs/cli.md and USAGE in args.ts.
 */
import { parseInfo, parseRender, parseTrain, USAGE } from './args';
import { parseExport, parseImport, parseStrip, runExport, runImport, runStrip } from './convert';
import { EXIT, exitCodeOf, messageOf, UsageError } from './errors';
import { info, type Io, render } from './render';
import { train } from './train';
import { VERSION } from '../version';

/** The atomic file write the commands use (scripts/evaluate-zoo.mjs --write uses it too). */
export { writeFileAtomic } from './atomic';

const defaultIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        io.stderr.write(USAGE.main + '\n');
        return EXIT.usage;
      case '-h':
      case '--help':
      case 'help': {
        const topic = rest[0] as keyof typeof USAGE | undefined;
        io.stdout.write((topic && topic in USAGE ? USAGE[topic] : USAGE.main) + '\n');
        return EXIT.ok;
      }
      case '-v':
      case '--version':
      case 'version':
        io.stdout.write(`nca-gl ${VERSION}\n`);
        return EXIT.ok;
      case 'train': {
        const a = parseTrain(rest);
        if (a.help) return io.stdout.write(USAGE.train + '\n'), EXIT.ok;
        return await train(a, io);
      }
      case 'render': {
        const a = parseRender(rest);
        if (a.help) return io.stdout.write(USAGE.render + '\n'), EXIT.ok;
        return await render(a, io);
      }
      case 'info': {
        const a = parseInfo(rest);
        if (a.help) return io.stdout.write(USAGE.info + '\n'), EXIT.ok;
        return info(a.model, io);
      }
      case 'import':
      case 'export':
      case 'strip': {
        const a = command === 'import' ? parseImport(rest) : command === 'export' ? parseExport(rest) : parseStrip(rest);
        if (a.help) return io.stdout.write(USAGE[command] + '\n'), EXIT.ok;
        return command === 'import' ? runImport(a as ReturnType<typeof parseImport>, io) : command === 'export' ? runExport(a as ReturnType<typeof parseExport>, io) : runStrip(a as ReturnType<typeof parseStrip>, io);
      }
      default:
        throw new UsageError(command.startsWith('-') ? `unknown option '${command}' (options go after the command)` : `unknown command '${command}': use train, render, info, import, export or strip`);
    }
  } catch (e) {
    const code = exitCodeOf(e);
    io.stderr.write(messageOf(e) + '\n');
    if (e instanceof UsageError) {
      const usage = USAGE[(e.command ?? 'main') as keyof typeof USAGE];
      io.stderr.write('\n' + usage.split('\n\n')[0] + `\nRun 'nca-gl ${e.command ? e.command + ' ' : ''}--help' for the options.\n`);
    } else if (code === EXIT.failure && io.env.NCA_GL_DEBUG && e instanceof Error && e.stack) {
      io.stderr.write(e.stack + '\n');
    }
    return code;
  }
}
