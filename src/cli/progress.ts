/** "[#######-----]  7/12  file.fit  ready" for stderr, separate from the command's output. */
export function progressLine(done: number, total: number, label: string, status: string, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total}  ${label}  ${status}`;
}
