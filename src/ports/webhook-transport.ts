/** One signed webhook POST. */
export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes that were signed. */
  readonly body: string;
}

/**
 * What came of a POST: the receiver's status (its body is never kept), or a short reason when no
 * response arrived. `error` names a cause (`timed out`, `connection refused`, …) and never repeats
 * the URL, a header or a body, so it is safe to store and show.
 */
export type WebhookResponse =
  | { readonly kind: 'response'; readonly status: number }
  | { readonly kind: 'error'; readonly error: string };

/**
 * Sends webhook requests. Implementations follow no redirects (a 3xx is a failed attempt, so a
 * receiver cannot bounce a signed body elsewhere), bound the whole exchange in time, and discard
 * the response body.
 */
export interface WebhookTransport {
  post(request: WebhookRequest): Promise<WebhookResponse>;
  /** Closes idle connections; in-flight posts finish first. */
  close(): Promise<void>;
}
