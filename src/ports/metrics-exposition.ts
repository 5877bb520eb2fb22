/** This process's metrics in the Prometheus text format, for a scrape endpoint. */
export interface MetricsExposition {
  /** `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
  /**
   * The current text. Never carries a secret, a digest, a hint or a key id (labels are bounded:
   * routes, outcomes and a few fixed names). Rejects only on a fault of the metrics library.
   */
  render(): Promise<string>;
}

/** A scrape endpoint (`GET /metrics` on the admin port, and on the gateway port when enabled). */
export interface MetricsEndpoint {
  readonly exposition: MetricsExposition;
  /** SHA-256 (hex) of the bearer token a scraper must send; null: no token asked. */
  readonly tokenSha256: string | null;
}
