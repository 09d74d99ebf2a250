import { ApiProperty } from '@nestjs/swagger';
import { IsArray, IsString } from 'class-validator';
import { AmsError } from '../ams-error.js';
import { JsonBody } from '../json-body.js';

export class AclDto {
  @ApiProperty({ type: [String], example: ['alice', 'bob'] }) authorized_users!: string[];
}

class ModifyAclDto {
  @ApiProperty({ type: [String], example: ['alice'], description: 'replaces the ACL; [] clears it' })
  @IsArray()
  @IsString({ each: true })
  authorized_users!: string[];
}

@JsonBody({ invalid: () => AmsError.invalid('Invalid Topic ACL Arguments') })
export class ModifyTopicAclDto extends ModifyAclDto {}

@JsonBody({ invalid: () => AmsError.invalid('Invalid Subscription ACL Arguments') })
export class ModifySubscriptionAclDto extends ModifyAclDto {}
