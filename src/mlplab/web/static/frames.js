// Binary playground frames (the socket opened with ?frames=binary): the layout is in the
// docstring of src/mlplab/web/player.py; src/mlplab/web/frames.py writes them.
// MlplabFrames.decode(arrayBuffer) gives the JSON frame's object, with a Uint8Array where
// JSON has base64 text, a Float32Array where it has a list of numbers, and a list of
// Float32Array rows for a kernel. Nothing is copied: every array is a view of the message.
"use strict";

(function () {
  const MAGIC = "MLPF";
  const LAYOUT = 1;
  const TYPES = { u8: Uint8Array, f32: Float32Array };

  function decode(buffer) {
    const view = new DataView(buffer);
    const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
    if (magic !== MAGIC) throw new Error(`not a binary playground frame (starts ${magic})`);
    const layout = view.getUint32(4, true), length = view.getUint32(8, true);
    if (layout !== LAYOUT) throw new Error(`binary frame layout ${layout}; this page reads ${LAYOUT}`);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 12, length)));
    const blobs = header.blobs.map(([type, offset, count]) => new TYPES[type](buffer, offset, count));
    return revive(header.frame, blobs);
  }

  function revive(value, blobs) {
    if (Array.isArray(value)) return value.map((item) => revive(item, blobs));
    if (value === null || typeof value !== "object") return value;
    if ("$blob" in value) {
      const blob = blobs[value.$blob];
      if (!("rows" in value)) return blob;
      const width = blob.length / value.rows;
      return Array.from({ length: value.rows }, (_, i) => blob.subarray(i * width, (i + 1) * width));
    }
    const out = {};
    for (const [key, item] of Object.entries(value)) out[key] = revive(item, blobs);
    return out;
  }

  window.MlplabFrames = { decode, LAYOUT };
})();
