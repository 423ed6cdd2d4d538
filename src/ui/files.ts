/**
 * Files in and out of the page without a server: downloads through a temporary <a download>, the
 * file picker, and drag-and-drop anywhere on the page (an overlay says what a drop will do).
 */

/** Intercepts downloads (tests, or a page that wants to upload instead); return true to take it. */
export type DownloadHook = (name: string, blob: Blob) => boolean | void;

export function download(name: string, blob: Blob, hook?: DownloadHook | null): void {
  if (hook && hook(name, blob) === true) return;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Opens the file picker; resolves with the chosen file, or null when the picker was dismissed. */
export function pickFile(accept: string): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.style.display = 'none';
    input.addEventListener('change', () => {
      resolve(input.files?.[0] ?? null);
      input.remove();
    });
    input.addEventListener('cancel', () => {
      resolve(null);
      input.remove();
    });
    document.body.appendChild(input);
    input.click();
  });
}

/** True for a .nca model file (by name, or by its first bytes: "\x89NCA"). */
export async function isModelFile(f: Blob & { name?: string }): Promise<boolean> {
  if (f.name && /\.nca$/i.test(f.name)) return true;
  const head = new Uint8Array(await f.slice(0, 4).arrayBuffer());
  return head[0] === 0x89 && head[1] === 0x4e && head[2] === 0x43 && head[3] === 0x41;
}

/** Calls `onFile` for a file dropped anywhere on the page; `overlay` shows while something is dragged over. */
export function acceptDrops(overlay: HTMLElement, onFile: (f: File) => void): () => void {
  let depth = 0;
  const show = (on: boolean) => overlay.classList.toggle('visible', on);
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
  const enter = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    show(true);
  };
  const over = (e: DragEvent) => {
    if (hasFiles(e)) e.preventDefault();
  };
  const leave = () => {
    depth = Math.max(0, depth - 1);
    if (!depth) show(false);
  };
  const drop = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    show(false);
    const f = e.dataTransfer?.files?.[0];
    if (f) onFile(f);
  };
  window.addEventListener('dragenter', enter);
  window.addEventListener('dragover', over);
  window.addEventListener('dragleave', leave);
  window.addEventListener('drop', drop);
  return () => {
    window.removeEventListener('dragenter', enter);
    window.removeEventListener('dragover', over);
    window.removeEventListener('dragleave', leave);
    window.removeEventListener('drop', drop);
  };
}
