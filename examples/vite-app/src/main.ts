// The widget entry: inference only (≤ 50 KB gzipped), defines <nca-canvas> as it loads.
import { mount, type NcaCanvasElement } from 'nca-gl/widget';
// Zoo models by URL: the package exports zoo/*, and Vite's ?url gives the file's served address
// (copied into dist/ with a hashed name by `vite build`).
import healingUrl from 'nca-gl/zoo/healing.nca?url';
import growthUrl from 'nca-gl/zoo/growth.nca?url';

const pig = document.querySelector<NcaCanvasElement>('#pig')!;
pig.model = healingUrl; // same as the model="…" attribute

const heart = mount(document.querySelector<HTMLCanvasElement>('#heart')!, { model: growthUrl, regrowAfter: 96, label: 'A heart growing from its centre' });

const status = document.querySelector('#status')!;
Promise.all([pig.ready, heart.ready]).then(
  ([p]) => (status.textContent = `running on ${p.format}`),
  (e: Error) => (status.textContent = e.message), // the widgets also show the reason in their box
);

const toggle = document.querySelector<HTMLButtonElement>('#toggle')!;
toggle.onclick = () => {
  if (heart.playing) {
    heart.pause();
    pig.pause();
    toggle.textContent = 'Play';
  } else {
    heart.play();
    pig.play();
    toggle.textContent = 'Pause';
  }
};
