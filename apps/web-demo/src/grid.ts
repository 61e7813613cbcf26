// The grid of test images, each drawn on its own canvas, captioned with the predicted class (green when
// right, red with the true class when wrong).
import { FASHION_MNIST_CLASSES, type ImageLabelDataset } from '@flint/data';

/** Draws the first `predictions.length` test images into `host`, replacing what was there. */
export function drawGrid(host: HTMLElement, data: ImageLabelDataset, predictions: readonly number[]): void {
  host.replaceChildren();
  predictions.forEach((pred, i) => {
    const img = data.image(i), label = data.labels[i]!;
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d')!;
    const pixels = ctx.createImageData(img.width, img.height);
    for (let k = 0; k < img.width * img.height; k++) {
      const v = img.data[k]!;
      pixels.data.set([v, v, v, 255], 4 * k);
    }
    ctx.putImageData(pixels, 0, 0);
    const right = pred === label;
    const figure = document.createElement('figure');
    figure.className = `cell ${right ? 'right' : 'wrong'}`;
    const caption = document.createElement('figcaption');
    caption.textContent = FASHION_MNIST_CLASSES[pred] ?? `class ${pred}`;
    figure.title = right ? `${FASHION_MNIST_CLASSES[label]}: right` : `predicted ${FASHION_MNIST_CLASSES[pred]}, truly ${FASHION_MNIST_CLASSES[label]}`;
    figure.append(canvas, caption);
    host.append(figure);
  });
}
