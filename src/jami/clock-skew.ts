/**
 * How far apart Outpost's clock and a CA's or responder's may be. A CRL or OCSP answer made a
 * moment ago by a clock a little ahead of ours is fresh, not "dated in the future".
 */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;
