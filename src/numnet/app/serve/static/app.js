// The draw-a-digit page: pointer strokes on a canvas -> PNG -> POST /api/predict -> answer.
// Requests are throttled (at most one in flight, one every THROTTLE_MS while drawing, one
// more when the stroke ends), so the answer follows the pen without flooding the server.
// "Read a photo": the chosen picture, turned upright and brought down to PHOTO_SIDE pixels
// on its longer side (the server works at that size anyway, and a phone's 12 MP JPEG would
// pass the request limit), is sent as a JPEG and shown on the pad.
"use strict";

const THROTTLE_MS = 100;
const PHOTO_SIDE = 1000;
const INK = "#111";
const PAPER = "#fff";

const pad = document.getElementById("pad");
const ctx = pad.getContext("2d");
const seen = document.getElementById("seen");
const labelEl = document.getElementById("label");
const confidenceEl = document.getElementById("confidence");
const statusEl = document.getElementById("status");
const bars = buildBars(document.getElementById("bars"));

let drawing = false;   // a pointer is down on the pad
let last = null;       // last point of the current stroke, in canvas pixels
let hasInk = false;    // something has been drawn since the last Clear
let dirty = false;     // the pad changed since the last request was sent
let inFlight = false;  // a request is waiting for its answer
let lastSent = 0;      // performance.now() of the last request
let timer = null;      // pending throttled send
let generation = 0;    // bumped by Clear: answers from before are dropped

function setState(state, message) {
  document.body.dataset.state = state;  // empty | waiting | ready | error (the browser test reads it)
  statusEl.textContent = message;
}

// -- the probability bars ---------------------------------------------------------------

function buildBars(list) {
  const rows = [];
  for (let d = 0; d < 10; d++) {
    const li = document.createElement("li");
    li.innerHTML =
      `<span class="digit">${d}</span>` +
      `<span class="track"><span class="fill"></span></span>` +
      `<span class="pct">–</span>`;
    list.appendChild(li);
    rows.push({ li, fill: li.querySelector(".fill"), pct: li.querySelector(".pct") });
  }
  return rows;
}

function showBars(probs, label) {
  bars.forEach((row, d) => {
    const p = probs ? probs[d] : 0;
    row.fill.style.width = `${(100 * p).toFixed(1)}%`;
    row.pct.textContent = probs ? `${(100 * p).toFixed(1)}%` : "–";
    row.li.classList.toggle("top", d === label);
  });
}

// -- what the network sees: 28x28 drawn with nearest-neighbour scaling --------------------

function showSeen(pixels) {
  const out = seen.getContext("2d");
  out.fillStyle = "#000";
  out.fillRect(0, 0, seen.width, seen.height);
  if (!pixels) return;
  const small = document.createElement("canvas");
  small.width = small.height = 28;
  const sctx = small.getContext("2d");
  const img = sctx.createImageData(28, 28);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = Math.round(255 * pixels[y][x]);
      const i = 4 * (28 * y + x);
      img.data[i] = img.data[i + 1] = img.data[i + 2] = v;
      img.data[i + 3] = 255;
    }
  }
  sctx.putImageData(img, 0, 0);
  out.imageSmoothingEnabled = false;  // nearest neighbour: every pixel stays a crisp square
  out.drawImage(small, 0, 0, seen.width, seen.height);
}

// -- talking to the server ---------------------------------------------------------------

function requestPrediction() {
  dirty = true;
  pump();
}

function pump() {
  if (!dirty || inFlight || !hasInk) return;
  const wait = THROTTLE_MS - (performance.now() - lastSent);
  if (wait > 0) {
    if (timer === null) timer = setTimeout(() => { timer = null; pump(); }, wait);
    return;
  }
  dirty = false;
  lastSent = performance.now();
  send(pad.toDataURL("image/png"), generation);
}

function send(dataUrl, gen) {
  inFlight = true;
  fetch("api/predict", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ image: dataUrl }),
  })
    .then((r) => r.json().then((data) => ({ ok: r.ok, data })))
    .then(({ ok, data }) => {
      if (gen !== generation) return;
      if (ok) showAnswer(data);
      else setState("error", data.error || "the server could not read the picture");
    })
    .catch(() => { if (gen === generation) setState("error", "the server cannot be reached"); })
    .finally(() => {
      inFlight = false;
      if (dirty) pump();
      else if (gen === generation && document.body.dataset.state === "waiting") setState("ready", "");
    });
  setState("waiting", "");  // no "reading…" text: it would flicker (and be announced) 10x a second
}

// -- a photo ----------------------------------------------------------------------------

function readPhoto(file) {
  generation++;
  dirty = false;
  const gen = generation;
  const url = URL.createObjectURL(file);
  const img = new Image();  // an <img> is drawn turned as its EXIF Orientation says
  img.onload = () => {
    URL.revokeObjectURL(url);
    const f = Math.min(1, PHOTO_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
    const work = document.createElement("canvas");
    work.width = Math.max(1, Math.round(img.naturalWidth * f));
    work.height = Math.max(1, Math.round(img.naturalHeight * f));
    work.getContext("2d").drawImage(img, 0, 0, work.width, work.height);
    // the pad shows the photo, fitted and centred on paper
    const g = Math.min(pad.width / work.width, pad.height / work.height);
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, pad.width, pad.height);
    ctx.drawImage(work, (pad.width - g * work.width) / 2, (pad.height - g * work.height) / 2,
                  g * work.width, g * work.height);
    hasInk = true;
    send(work.toDataURL("image/jpeg", 0.92), gen);
  };
  img.onerror = () => {
    URL.revokeObjectURL(url);
    setState("error", `the browser cannot open ${file.name} as a picture`);
  };
  img.src = url;
}

const photoInput = document.getElementById("photo");
photoInput.addEventListener("change", () => {
  if (photoInput.files.length) readPhoto(photoInput.files[0]);
  photoInput.value = "";  // the same file chosen again is read again
});

function showAnswer(data) {
  // a number (several digits, a sign, several rows): the numbers; one digit: it and its
  // bars; none: say so
  labelEl.classList.toggle("number", data.number !== null && data.label === null);
  if (data.number === null) {
    labelEl.textContent = "?";
    confidenceEl.textContent = "I cannot see a digit here";
    showBars(null, -1);
  } else if (data.label === null) {
    labelEl.textContent = data.numbers.join("\n");  // the rows top to bottom, one a line
    const least = Math.min(...data.digits.map((d) => d.confidence));
    const digits = data.digits.length === 1 ? "1 digit" : `${data.digits.length} digits`;
    const rows = data.numbers.length > 1 ? `${data.numbers.length} numbers, ` : "";
    confidenceEl.textContent = `${rows}${digits}, each at least ${(100 * least).toFixed(1)}% sure`;
    showBars(data.probabilities, -1);
  } else {
    labelEl.textContent = String(data.label);
    confidenceEl.textContent = `${(100 * data.confidence).toFixed(1)}% sure`;
    showBars(data.probabilities, data.label);
  }
  showSeen(data.pixels);
  if (!dirty) setState("ready", "");
}

// -- drawing -----------------------------------------------------------------------------

function clearPad() {
  generation++;
  labelEl.classList.remove("number");
  dirty = false;
  hasInk = false;
  ctx.fillStyle = PAPER;
  ctx.fillRect(0, 0, pad.width, pad.height);
  labelEl.textContent = "?";
  confidenceEl.textContent = "waiting for a digit";
  showBars(null, -1);
  showSeen(null);
  setState("empty", "Draw with your mouse or finger");
}

function point(e) {
  // CSS pixels -> canvas pixels (the canvas is shown smaller or larger than 280 px)
  const r = pad.getBoundingClientRect();
  return { x: (e.clientX - r.left) * (pad.width / r.width),
           y: (e.clientY - r.top) * (pad.height / r.height) };
}

function strokeTo(p) {
  ctx.beginPath();
  ctx.moveTo(last.x, last.y);
  ctx.lineTo(p.x, p.y);
  ctx.stroke();
  last = p;
}

pad.addEventListener("pointerdown", (e) => {
  if (e.button !== 0) return;
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  drawing = true;
  hasInk = true;
  last = point(e);
  strokeTo(last);  // a tap leaves a dot
  requestPrediction();
});

pad.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  // coalesced events keep fast strokes smooth where the browser batches pointer moves
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  for (const ev of events.length ? events : [e]) strokeTo(point(ev));
  requestPrediction();
});

function endStroke() {
  if (!drawing) return;
  drawing = false;
  last = null;
  requestPrediction();
}
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

document.getElementById("clear").addEventListener("click", clearPad);

// -- start -------------------------------------------------------------------------------

ctx.lineWidth = 22;  // ~2.2 px after scaling the digit to 20 px: MNIST's stroke width
ctx.lineCap = "round";
ctx.lineJoin = "round";
ctx.strokeStyle = INK;
clearPad();

fetch("api/health")
  .then((r) => r.json())
  .then((h) => {
    document.getElementById("model").textContent = h.model;
    document.getElementById("version").textContent = h.version;
  })
  .catch(() => setState("error", "the server cannot be reached"));
