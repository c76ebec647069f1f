// Renders the PWA icons in public/icons/ from icon.svg with headless Chromium. Run once after editing
// the SVG (`npx tsx scripts/make-icons.ts`) and commit the PNGs; builds and tests only read them.
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium } from '../test/e2e/browser';
import { encodePng } from './png-encode';

const dir = path.resolve(import.meta.dirname, '../public/icons');
const THEME = '#0b5d3b';

/** The mark alone on a full-bleed square, scaled about the centre: maskable icons are cropped to a
 * circle of 80% of their width, and iOS rounds the corners of its touch icon itself. */
function fullBleed(svg: string, scale: number): string {
  const mark = /<g id="mark">[\s\S]*?<\/g>/.exec(svg)?.[0];
  if (!mark) throw new Error('icon.svg needs a <g id="mark"> group');
  const offset = 256 * (1 - scale);
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">' +
    `<rect width="512" height="512" fill="${THEME}"/>` +
    `<g transform="translate(${offset} ${offset}) scale(${scale})">${mark}</g></svg>`
  );
}

/**
 * The notification badge Android shows in the status bar: only its alpha counts, so the pin in white with the
 * "F" cut out (even-odd), on nothing, cropped close to the pin.
 */
function badge(svg: string): string {
  const paths = [...svg.matchAll(/<g id="mark">[\s\S]*?<\/g>/g)][0]?.[0].match(/ d="[^"]+"/g)?.map((d) => d.slice(4, -1));
  if (!paths || paths.length < 2) throw new Error('icon.svg\'s mark needs the pin and the letter as paths');
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="56 60 400 400" width="400" height="400">' +
    `<path fill="#fff" fill-rule="evenodd" d="${paths.join(' ')}"/></svg>`
  );
}

async function main() {
  const source = await fs.readFile(path.join(dir, 'icon.svg'), 'utf8');
  const icons = [
    { file: 'icon-192.png', size: 192, svg: source },
    { file: 'icon-512.png', size: 512, svg: source },
    // The pin reaches 196 px from the centre at full size; 0.8 keeps it well inside the 204.8 px safe circle.
    { file: 'maskable-512.png', size: 512, svg: fullBleed(source, 0.8) },
    { file: 'apple-touch-icon.png', size: 180, svg: fullBleed(source, 0.86) },
    { file: 'badge-96.png', size: 96, svg: badge(source) },
  ];
  const chromium = await launchChromium();
  try {
    const page = await (await chromium.newContext()).newPage();
    for (const icon of icons) {
      // Rasterised by the browser's SVG renderer at the target size, then read back as straight RGBA.
      const rgba = await page.evaluate(async ({ svg, size }) => {
        const img = new Image();
        img.src = `data:image/svg+xml;base64,${btoa(svg)}`;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = size;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0, size, size);
        return Array.from(ctx.getImageData(0, 0, size, size).data);
      }, icon);
      // Edge pixels may move a few levels so that every icon fits a palette, at a third of the size.
      const png = encodePng(Uint8Array.from(rgba), icon.size, icon.size, { maxColourError: 12 });
      await fs.writeFile(path.join(dir, icon.file), png);
      console.log(`${icon.file}: ${icon.size}×${icon.size}, ${png.length} bytes`);
    }
  } finally {
    await chromium.close();
  }
}

await main();
