// citation-js ships no types; the little of its API the citation tests use.
declare module '@citation-js/core' {
  export class Cite {
    static async(data: string, options?: { forceType?: string }): Promise<Cite>;
    readonly data: unknown[];
  }
}
declare module '@citation-js/plugin-bibtex';
declare module '@citation-js/plugin-ris';
