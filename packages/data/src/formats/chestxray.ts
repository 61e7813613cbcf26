// ChestX-ray14 metadata: Data_Entry_2017.csv rows → image names, 14-way multi-hot labels and patient IDs;
// the official train_val_list.txt / test_list.txt split, or a seeded split by patient.
import { Generator, permutation } from '../random.js';
import { columns, fieldAt, parseCsv } from './csv.js';
import { FormatError } from './errors.js';

/** ChestX-ray14's fourteen findings, in the order of the multi-hot label vector. */
export const CHESTXRAY14_LABELS = ['Atelectasis', 'Cardiomegaly', 'Effusion', 'Infiltration', 'Mass', 'Nodule', 'Pneumonia', 'Pneumothorax',
  'Consolidation', 'Edema', 'Emphysema', 'Fibrosis', 'Pleural_Thickening', 'Hernia'] as const;

/**
 * One row of ChestX-ray14's metadata CSV.
 * @property image - the image's file name
 * @property labels - multi-hot findings, in {@link CHESTXRAY14_LABELS} order ("No Finding" is all zeros)
 * @property patientId - the patient's id
 * @property followUp - the follow-up number of the visit
 */
export interface ChestXrayEntry { image: string; labels: Float32Array; patientId: number; followUp: number }

/**
 * Parses Data_Entry_2017.csv into entries; a malformed row is a FormatError naming its line (`name` is used in
 * messages).
 */
export function parseChestXrayCsv(text: string, name = 'Data_Entry_2017.csv'): ChestXrayEntry[] {
  const { header, rows, lines } = parseCsv(text, name);
  const [ci, cl, cf, cp] = columns(header, ['Image Index', 'Finding Labels', 'Follow-up #', 'Patient ID'], name) as [number, number, number, number];
  return rows.map((r, k) => {
    const at = (c: number) => fieldAt(name, lines[k]!, c, header);
    // Number('') and Number(' ') are 0: an empty ID would silently join patient 0's split
    const integer = (c: number): number => {
      const s = r[c]!.trim();
      if (s === '') throw new FormatError(`${at(c)}: empty; expected a non-negative integer`);
      if (!/^\d+$/.test(s)) throw new FormatError(`${at(c)}: '${r[c]}' is not a non-negative integer`);
      return Number(s);
    };
    const image = r[ci]!.trim();
    if (image === '') throw new FormatError(`${at(ci)}: empty; expected an image file name`);
    const labels = new Float32Array(CHESTXRAY14_LABELS.length);
    for (const f of r[cl]!.split('|').map((s) => s.trim())) {
      if (f === 'No Finding' || f === '') continue;
      const j = (CHESTXRAY14_LABELS as readonly string[]).indexOf(f);
      if (j < 0) throw new FormatError(`${at(cl)}: unknown finding '${f}' (expected 'No Finding' or one of ${CHESTXRAY14_LABELS.join(', ')})`);
      labels[j] = 1;
    }
    return { image, labels, patientId: integer(cp), followUp: integer(cf) };
  });
}

/** A list file (one image name per line) as a set. */
export const parseImageList = (text: string): Set<string> => new Set(text.split(/\r?\n/).map((s) => s.trim()).filter(Boolean));

/**
 * Without the official lists: patients shuffled with `seed`, the first `testFraction` of them (default 0.2)
 * are test, so no patient is on both sides.
 */
export function splitByPatient(entries: readonly ChestXrayEntry[], split: 'train' | 'test', seed = 0, testFraction = 0.2): ChestXrayEntry[] {
  const patients = [...new Set(entries.map((e) => e.patientId))].sort((a, b) => a - b);
  const order = permutation(patients.length, new Generator(seed));
  const test = new Set(order.slice(0, Math.round(patients.length * testFraction)).map((i) => patients[i]!));
  return entries.filter((e) => test.has(e.patientId) === (split === 'test'));
}
