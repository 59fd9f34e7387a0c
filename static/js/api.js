// Reading layers from our OGC API – Features endpoint. A page of them, never a whole layer by
// default: a city's layers hold tens of thousands of features (the city map draws them as
// vector tiles). Without `limit`, the server's own page size.
export async function fetchItems(collection, { limit, bbox } = {}) {
  const params = new URLSearchParams();
  if (limit !== undefined) params.set('limit', String(limit));
  if (bbox) params.set('bbox', bbox.join(','));
  const response = await fetch(`/ogcapi/collections/${collection}/items?${params}`);
  if (!response.ok) throw new Error(`${collection}: HTTP ${response.status}`);
  return response.json();
}
