/**
 * Shader programs from the GLSL files under glsl/ (bundled as text by build.mjs).
 *
 * A fragment file may `#include "common/x.glsl"` (each file at most once per program), or
 * `#include NAME` where the define NAME (ending in `_GLSL`, e.g. the rule's RULE_GLSL) holds the
 * file's path; such defines name files and are not written as `#define`s. The assembled
 * source keeps a map from its lines back to (file, line), so a compile error names the pass, the
 * file and the line, and prints the numbered source around it.
 */
import glslFiles from 'virtual:glsl';
import { NcaGlError } from '../errors';

export interface Assembled {
  source: string;
  /** lines[i] = where line i + 1 of `source` came from. */
  lines: { file: string; line: number }[];
}

export type Defines = Record<string, number | boolean | string>;

const INCLUDE = /^\s*#include\s+(?:"([^"]+)"|([A-Za-z_]\w*_GLSL))\s*$/;

/** Text of a GLSL file under glsl/, or an error naming it. */
export function glslSource(file: string, extra?: Record<string, string>): string {
  const text = extra?.[file] ?? glslFiles[file];
  if (text === undefined) throw new NcaGlError('shader-compile', `no GLSL file '${file}' (looked under glsl/)`);
  return text;
}

/**
 * `#version` line, precision, `#define`s, then `file` with its includes expanded.
 * `extra` supplies sources that are not under glsl/ (tests, user passes).
 */
export function assemble(file: string, defines: Defines = {}, extra?: Record<string, string>): Assembled {
  const out: string[] = [];
  const lines: Assembled['lines'] = [];
  const push = (text: string, f: string, n: number) => {
    out.push(text);
    lines.push({ file: f, line: n });
  };
  push('#version 300 es', '<prelude>', 1);
  push('precision highp float;', '<prelude>', 2);
  push('precision highp int;', '<prelude>', 3);
  push('precision highp sampler2D;', '<prelude>', 4);
  push('precision highp sampler2DArray;', '<prelude>', 5);
  for (const [k, v] of Object.entries(defines)) {
    if (k.endsWith('_GLSL')) continue;
    push(`#define ${k} ${v === true ? 1 : v === false ? 0 : v}`, '<defines>', out.length + 1);
  }
  const seen = new Set<string>();
  const expand = (f: string, from: string[]) => {
    if (from.includes(f)) throw new NcaGlError('shader-compile', `GLSL include cycle: ${[...from, f].join(' → ')}`);
    seen.add(f);
    glslSource(f, extra)
      .split('\n')
      .forEach((text, i) => {
        const m = INCLUDE.exec(text);
        if (m) {
          const name = m[1] ?? includeDefine(m[2]!, defines, f);
          if (!seen.has(name)) expand(name, [...from, f]);
          push(`// (included ${name})`, f, i + 1);
        } else if (/^\s*#version/.test(text)) {
          push('// (#version is added by nca-gl)', f, i + 1);
        } else {
          push(text, f, i + 1);
        }
      });
  };
  expand(file, []);
  return { source: out.join('\n'), lines };
}

/** The file a `#include NAME_GLSL` line names: the define's value, or an error naming the file that asked. */
function includeDefine(name: string, defines: Defines, file: string): string {
  const v = defines[name];
  if (typeof v !== 'string' || v === '') throw new NcaGlError('shader-compile', `${file} includes ${name}, but no define ${name} names a GLSL file (the rule's registry entry sets RULE_GLSL)`);
  return v;
}

/** Numbered excerpt of `a` around assembled line `at` (1-based), the failing line marked. */
export function excerpt(a: Assembled, at: number, context = 3): string {
  const src = a.source.split('\n');
  const rows: string[] = [];
  for (let i = Math.max(1, at - context); i <= Math.min(src.length, at + context); i++) {
    const where = a.lines[i - 1]!;
    const mark = i === at ? '>' : ' ';
    rows.push(`${mark} ${String(where.line).padStart(4)} | ${src[i - 1]}`);
  }
  return rows.join('\n');
}

/** Turns a driver info log into an error naming file and line with the numbered source. */
export function formatCompileError(passName: string, a: Assembled, log: string, stage: string): string {
  const m = /ERROR:\s*\d+:(\d+):/.exec(log);
  const header = `shader compile error in pass '${passName}' (${stage} shader)`;
  if (!m) return `${header}:\n${log.trim()}`;
  const at = Number(m[1]);
  const where = a.lines[at - 1];
  const loc = where ? `glsl/${where.file} line ${where.line}` : `line ${at}`;
  return `${header} at ${loc}:\n${log.trim()}\n${excerpt(a, at)}`;
}

export const FULLSCREEN_VS = `#version 300 es
// Fullscreen triangle from gl_VertexID: no buffers, no attributes.
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}`;

/**
 * Compiles and links `vsSource` with the assembled fragment shader. Shaders are deleted once
 * linked, so the program is the only GL object left to delete.
 */
export function linkProgram(gl: WebGL2RenderingContext, passName: string, frag: Assembled, vsSource = FULLSCREEN_VS): WebGLProgram {
  const compile = (type: number, src: string, stage: string, a: Assembled | null) => {
    const sh = gl.createShader(type);
    if (!sh) throw new NcaGlError('context-lost', `could not create a ${stage} shader for pass '${passName}': the WebGL context is lost`);
    gl.shaderSource(sh, src);
    gl.compileShader(sh);
    if (!gl.getShaderParameter(sh, gl.COMPILE_STATUS)) {
      const log = gl.getShaderInfoLog(sh) ?? '';
      gl.deleteShader(sh);
      const lost = gl.isContextLost();
      throw new NcaGlError(
        lost ? 'context-lost' : 'shader-compile',
        lost
          ? `the WebGL context was lost while compiling pass '${passName}'`
          : formatCompileError(passName, a ?? { source: src, lines: src.split('\n').map((_, i) => ({ file: '<vertex>', line: i + 1 })) }, log, stage),
      );
    }
    return sh;
  };
  const vs = compile(gl.VERTEX_SHADER, vsSource, 'vertex', null);
  let fs: WebGLShader;
  try {
    fs = compile(gl.FRAGMENT_SHADER, frag.source, 'fragment', frag);
  } catch (e) {
    gl.deleteShader(vs);
    throw e;
  }
  const prog = gl.createProgram();
  if (!prog) {
    gl.deleteShader(vs);
    gl.deleteShader(fs);
    throw new NcaGlError('context-lost', `could not create a program for pass '${passName}': the WebGL context is lost`);
  }
  gl.attachShader(prog, vs);
  gl.attachShader(prog, fs);
  gl.linkProgram(prog);
  const ok = gl.getProgramParameter(prog, gl.LINK_STATUS) as boolean;
  gl.detachShader(prog, vs);
  gl.detachShader(prog, fs);
  gl.deleteShader(vs);
  gl.deleteShader(fs);
  if (!ok) {
    const log = gl.getProgramInfoLog(prog) ?? '';
    gl.deleteProgram(prog);
    throw new NcaGlError('shader-link', `shader link error in pass '${passName}': ${log.trim() || '(no log)'}`);
  }
  return prog;
}
