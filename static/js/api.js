// Reading layers from our OGC API – Features endpoint.
export async function fetchItems(collection, { limit = 10000, bbox } = {}) {
  const params = new URLSearchParams({ limit: String(limit) });
  if (bbox) params.set('bbox', bbox.join(','));
  const response = await fetch(`/ogcapi/collections/${collection}/items?${params}`);
  if (!response.ok) throw new Error(`${collection}: HTTP ${response.status}`);
  return response.json();
}
