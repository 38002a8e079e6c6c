// "您是不是要找…": the known names closest to what someone typed, for unknown units, people, sessions and commands.

/** Compared without spaces, full-width folded (NFKC) and case-insensitively: ＡＢ  局 ≈ ab局. */
function comparable(s: string): string {
  return s
    .normalize("NFKC")
    .replace(/[\s\u200b-\u200d\ufeff]+/g, "")
    .toLowerCase();
}

/** Levenshtein distance over code points (a Chinese character counts as one). */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[y.length] ?? 0;
}

/**
 * Up to `max` candidates closest to `input` by edit distance: those as close as the closest one, in the candidates'
 * order. A candidate is only suggested when it is plausibly what was meant: within about half its length, or
 * containing / contained in the input (市发改 → 市发改委). Names of one office share most characters (市…局), so
 * anything further than the best match is noise: 市发改局 suggests 市发改委, not 市教育局.
 */
export function closestNames(input: string, candidates: Iterable<string>, max = 3): string[] {
  const typed = comparable(input);
  if (typed === "" || max <= 0) return [];
  const scored: { name: string; score: number; order: number }[] = [];
  const seen = new Set<string>();
  let order = 0;
  for (const name of candidates) {
    if (seen.has(name)) continue;
    seen.add(name);
    const known = comparable(name);
    if (known === "") continue;
    const distance = editDistance(typed, known);
    const longest = Math.max([...typed].length, [...known].length);
    const shortest = Math.min([...typed].length, [...known].length);
    const contains = shortest >= 2 && (known.includes(typed) || typed.includes(known));
    if (distance > Math.ceil(longest / 2) && !contains) continue;
    // Containment is a strong hint even when lengths differ a lot; rank it like a one-character slip.
    scored.push({ name, score: contains ? Math.min(distance, 1) : distance, order: order++ });
  }
  const best = Math.min(...scored.map((s) => s.score));
  return scored
    .filter((s) => s.score === best)
    .slice(0, max)
    .map((s) => s.name);
}
