import { ApiProperty } from '@nestjs/swagger';

export class TimepointDto {
  @ApiProperty({ example: '2024-03-01T10:00:05Z', description: 'seconds (counters, rates) or `YYYY-MM-DD` (daily)' })
  timestamp!: string;

  @ApiProperty({ example: 0.2 })
  value!: number;
}

/** An AMS metric (spec 3.0): one named series about one resource. */
export class MetricDto {
  @ApiProperty({ example: 'ams_node.cpu_usage' }) metric!: string;
  @ApiProperty({ example: 'percentage', description: 'counter, rate or percentage' }) metric_type!: string;
  @ApiProperty({ example: 'float64', description: 'int64 or float64' }) value_type!: string;
  @ApiProperty({ example: 'ams_node' }) resource_type!: string;
  @ApiProperty({ example: 'ams-node-1' }) resource_name!: string;
  @ApiProperty({ type: [TimepointDto] }) timeseries!: TimepointDto[];
  @ApiProperty() description!: string;
}

export class MetricListDto {
  @ApiProperty({ type: [MetricDto] }) metrics!: MetricDto[];
}
