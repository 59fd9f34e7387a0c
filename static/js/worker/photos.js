// A phone's photo is 3–12 MB; on a weak network that is minutes, and the server takes 8 MB at
// most. What a case needs is a clear picture: the long side at 1,600 px as JPEG, ~300 KB.
const LONG_SIDE = 1600;
const QUALITY = 0.82;

export async function shrink(file) {
  if (!file || !file.type.startsWith('image/')) return file;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
    if (scale === 1 && file.size < 1_000_000) return file;
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY));
    return blob && blob.size < file.size ? blob : file;
  } catch {
    return file;           // a format the browser cannot draw: the server says if it is refused
  }
}
