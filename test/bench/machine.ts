import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  kernel: string;
}

/** What the numbers were measured on: they mean little without it. */
export function machineInfo(): MachineInfo {
  let cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  try {
    const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (model) cpu = model[1]!.trim();
  } catch {
    // not Linux: os.cpus() already gave the model
  }
  return {
    cpu,
    cores: os.availableParallelism(),
    ramGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, ${m.ramGiB.toFixed(1)} GiB RAM, Node ${m.node}, ${m.kernel}`;
}

export interface CpuTimes {
  total: number;
  steal: number;
}

/** The machine-wide CPU counters (Linux /proc/stat), or undefined elsewhere. */
export function cpuTimes(): CpuTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/**
 * Share of CPU time the hypervisor gave to someone else between two readings. On a shared VM this
 * is what makes one run differ from the next; above a few percent, compare ratios only.
 */
export function stealPercent(from: CpuTimes | undefined, to: CpuTimes | undefined): string {
  if (!from || !to || to.total <= from.total) return 'n/a';
  return `${((100 * (to.steal - from.steal)) / (to.total - from.total)).toFixed(0)}%`;
}
