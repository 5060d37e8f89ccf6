// The page's colour-blind-safe palette, the one set of colours the page defines itself
// (the standard palette comes from the server: options.palette, mlplab.viz.style.palette).
// Classes: Okabe & Ito's eight colours ("Color Universal Design", 2008), told apart with
// protanopia, deuteranopia and tritanopia; orange and blue first, the two ends of the
// blue-orange diverging scale (the weights' signs, a neuron's low and high outputs).
// When the server sends options.palettes.colorblind, that one wins.
"use strict";

const COLORBLIND_PALETTE = {
  classes: [
    [230, 159, 0],    // orange
    [0, 114, 178],    // blue
    [0, 158, 115],    // bluish green
    [204, 121, 167],  // reddish purple
    [86, 180, 233],   // sky blue
    [213, 94, 0],     // vermillion
    [240, 228, 66],   // yellow
    [0, 0, 0],        // black
  ],
  diverging: [[230, 159, 0], [0, 114, 178]],
  neutral: [255, 255, 255],
};
