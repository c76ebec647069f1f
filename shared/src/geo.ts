// Distances on the Earth, for "is this gig inside the worker's service area" on both sides.

export interface LatLng {
  readonly lat: number;
  readonly lng: number;
}

/** Mean Earth radius (IUGG), in km. */
const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance by the haversine formula; accurate to ~0.5% which is ample for service areas. */
export function distanceKm(a: LatLng, b: LatLng): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function withinRadius(center: LatLng, radiusKm: number, point: LatLng): boolean {
  return distanceKm(center, point) <= radiusKm;
}

/**
 * Where a gig is as everyone but its client and its booked worker knows it: rounded to 0.01° (about a
 * kilometre), enough to judge the distance, not enough to find the door. Whether a gig lies inside an
 * operator's service area is judged on this point too, by the server and the device alike: judged on the
 * exact spot, an operator could move their area about, watch the gig come and go from their feed, and
 * bisect their way to the door.
 */
export function publicPoint(p: LatLng): LatLng {
  return { lat: Math.round(p.lat * 100) / 100, lng: Math.round(p.lng * 100) / 100 };
}
