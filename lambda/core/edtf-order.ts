/**
 * Where an EDTF date falls in time, for sorting primary keys (compareKeys):
 * decades, intervals and above all seasons. EDTF (ISO 8601-2) writes a
 * season in the month's place with a code from 21 to 24 (`2014-21` is spring
 * 2014), so as text a season sorts after December. A season here sorts just
 * before the first month it covers: spring (21) before March, summer (22)
 * before June, autumn (23) before September, and winter (24) before January
 * of the same year. Winter is read as the one that ends in the named year:
 * the paper's only winter ("In the winter of 2016" for a protocol in force
 * from June 1, 2016) can only be that one, and EDTF itself does not say.
 */
const MONTH_BEFORE_SEASON: Readonly<Record<string, string>> = {
  '21': '02',
  '22': '05',
  '23': '08',
  '24': '00',
};

/** A date or interval as `date_edtf` columns hold it: year (or decade 199X, or XXXX), then month or season, then day. */
const EDTF_DATE = /^(?:\d{4}|\d{3}X|XXXX)(?:-\d\d(?:-\d\d)?)?(?:\/(?:\d{4}|XXXX)(?:-\d\d(?:-\d\d)?)?)?$/;

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LETTER_X = 0x58;

/** A decade: a year whose last digit is unspecified. */
const DECADE = /^(\d{3})X/;

/** A season code right after a year, at the end of a date or of an interval's first date. */
const SEASON = /(\d{4}|XXXX)-(2[1-4])(?=\/|$)/g;

/**
 * The text an EDTF date sorts by: the date itself, with each season replaced
 * by the month before its first month and a `~` (which sorts after that
 * month's days and before the next month), and an interval's `/` by a space,
 * so an interval sorts at its start, before the finer dates inside its first
 * year or month (2017/2018 before 2017-05-02), as a bare year does. A decade
 * (`199X`) has its `X` replaced by `!`, which sorts before every digit, so it
 * comes before the years inside it. Any other text is returned as it is.
 */
export function edtfOrderText(text: string): string {
  // Every EDTF date starts with a digit or an X: a key such as `row-00000042` is passed back without the
  // pattern being tried (compareKeys calls this twice for each row of a validate).
  const first = text.charCodeAt(0);
  if (!((first >= DIGIT_0 && first <= DIGIT_9) || first === LETTER_X)) return text;
  if (!EDTF_DATE.test(text)) return text;
  return text
    .replace(DECADE, '$1!')
    .replace(SEASON, (_, year: string, season: string) => `${year}-${MONTH_BEFORE_SEASON[season] ?? season}~`)
    .replace('/', ' ');
}
